"""Parse: a file -> a `Document` of pages or validated `Tool`s; one reader per format."""
