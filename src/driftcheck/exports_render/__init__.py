"""Writers of the pending-exports result: text, JSON, CSV, HTML (one module per format)."""
