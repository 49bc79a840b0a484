"""Use cases: orchestrate the domain through ports; shared by HTTP, worker and CLI."""
