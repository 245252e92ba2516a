"""Test support: service processes, ports, requirements."""
