"""A whole market in one command: `siamex serve --demo` and `siamex demo --days N`
(docs/demo.md). Synthetic participants trade over the exchange's own FIX port on an
accelerated clock; the exchange, its feeds, drop copy and clearing house run unchanged."""
