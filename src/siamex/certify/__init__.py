"""Certification of a member's order-routing system: the exchange's test script run in a test
market against the member's system, judged from every FIX message, with a signed report
(docs/certify.md)."""
