"""fakepai's contract test kit: run with `pytest --pyargs contract_tests --pai-target fake|URL|live`."""
