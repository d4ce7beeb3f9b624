"""The exchange's market data: the ITCH-style binary feed (issue 11)."""
