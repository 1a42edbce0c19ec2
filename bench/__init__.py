"""The benchmark harness (`make bench`): outside the installed package, imported by tests from the checkout."""
