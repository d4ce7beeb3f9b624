"""The web console of `siamex serve` (issue 16; docs/console.md)."""
