"""The repository's own consistency: schemas/, the OpenAPI document, docs citations, import layers, COVERAGE.md."""
