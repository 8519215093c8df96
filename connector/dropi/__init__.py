"""Client of the Dropi integrations API (catalogue), by country."""
