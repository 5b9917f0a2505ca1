from django.core.management import call_command


def test_the_review_endpoints_are_in_the_schema_without_warnings(db, capsys, tmp_path):
    out = tmp_path / "schema.yaml"
    call_command("spectacular", "--file", str(out), "--validate", "--fail-on-warn")
    schema = out.read_text()
    for path in (
        "/api/v1/purchases/import/",
        "/api/v1/reviews/",
        "/api/v1/service-ratings/",
        "/api/v1/rating-figures/merchants/",
        "/api/v1/review-signals/",
        "/api/v1/rating-standings/{merchant}/keep/",
    ):
        assert path in schema
    assert "ImportRejected" in schema
