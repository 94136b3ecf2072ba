"""Drivers used by ml2core's test suite, registered through entry points like a vendor's."""
