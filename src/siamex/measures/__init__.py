"""The 2024 market measures that live outside the order book (issue 15; docs/measures.md).

Investors and their depository holdings, the central check-before-sell, the outstanding short
position report, the credit data exchange, central order screening with the surveillance
alerts, and the disclosures members receive. Each is a pure calculator over the engine's
commands and events and the data the exchange is given (pillar 1); `siamex serve`, `siamex
replay`/`compare` and `siamex surveil` host them.
"""
