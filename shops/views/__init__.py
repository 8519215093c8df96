"""Views of the shops app: pages (the embedded pages), api (their JSON endpoints) and callback
(Ecomdrop's callback); shops/urls.py maps each URL to one of them."""
