"""Reading GitHub's `Link` header for the hook-deliveries cursor."""

from workers.github.maintenance import _next_cursor

GITHUB = (
    '<https://api.github.com/app/hook/deliveries?per_page=100&cursor=v1_12077215967>; rel="next", '
    '<https://api.github.com/app/hook/deliveries?per_page=100>; rel="first"'
)


def test_next_cursor_from_githubs_link_header() -> None:
    assert _next_cursor({"Link": GITHUB}) == "v1_12077215967"
    assert _next_cursor({"link": GITHUB.replace("api.github.com", "ghe.example/api/v3")}) == "v1_12077215967"


def test_no_next_page() -> None:
    assert _next_cursor({}) is None
    assert (
        _next_cursor({"link": '<https://api.github.com/app/hook/deliveries?per_page=100>; rel="first"'})
        is None
    )
