"""/favicon.ico, which browsers ask for on every page that names no icon."""


def test_the_favicon_is_served_and_cached(client):
    response = client.get("/favicon.ico")

    assert response.status_code == 200
    assert response["Content-Type"] == "image/x-icon"
    assert b"".join(response.streaming_content).startswith(b"\x00\x00\x01\x00")  # an ICO directory
    assert "public" in response["Cache-Control"]
