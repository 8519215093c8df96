"""Clients of the hosts the storefront theme archive comes from (GitHub, GitLab, a plain URL)."""
