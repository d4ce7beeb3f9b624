"""What every part of the clearing house stands on: exact money, the double-entry ledger and
its stores, the keys it stores under, the members, the clearing rulebook and the accounts
value moves between."""
