"""FIX 4.4: the tag=value codec and the session layer, sans-IO (bytes in, events out)."""
