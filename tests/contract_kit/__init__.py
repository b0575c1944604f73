"""The contract kit (contract_tests/): its machinery, and that it fails against a broken target."""
