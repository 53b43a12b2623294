"""Settings → Categories over plain HTTP: what a category holds is set from the form, a refusal
keeps what was typed, and a deleted category is gone from the API's list."""

from tests.support.api import Api
from tests.support.pages import Console, followed


def categories(api: Api) -> list[dict[str, object]]:
    listed: list[dict[str, object]] = api.ok(
        api.get("/v2/agency/ticket-categories/list"), "ticket_categories"
    )
    return listed


def test_a_category_is_created_edited_and_deleted(api: Api) -> None:
    admin = Console(api, "admin")
    tim = api.teammate(name="Tim Triage")
    typed = {"title": "Billing", "language": "de", "subcategories": "Card\nCard"}
    refused = admin.post("/console/settings/categories", typed)
    assert refused.status_code == 400
    assert "Subcategory names must be distinct." in refused.text
    assert 'value="Billing"' in refused.text and "Card\nCard</textarea>" in refused.text
    assert '<option value="de" selected>' in refused.text
    assert categories(api) == []

    created = admin.post(
        "/console/settings/categories", typed | {"subcategories": " Card\n\nBank "}
    )
    assert "Category Billing created." in followed(admin, created).text
    [category] = categories(api)
    assert category["language"] == "de" and category["subcategories"] == ["Card", "Bank"]
    assert category["teammate_id"] is None and category["auto_reply"] is None

    path = f"/console/settings/categories/{category['id']}"
    form = admin.get(path)
    assert form.status_code == 200 and "Card\nBank</textarea>" in form.text
    edit = {
        "title": "Payments",
        "language": "nl",
        "teammate_id": tim["id"],
        "automated_reply": "We are on it.",
        "subcategories": "Card",
    }
    saved = admin.post(path, edit)
    assert "Category Payments saved." in followed(admin, saved).text
    [category] = categories(api)
    assert category["title"] == "Payments" and category["language"] == "nl"
    assert category["teammate_id"] == tim["id"] and category["auto_reply"] == "We are on it."
    listed = admin.get("/console/settings/categories").text
    assert "Assigns to Tim Triage" in listed

    gone = api.teammate()
    api.ok(api.post(f"/v2/agency/teammates/delete/{gone['id']}"), "teammate")
    unknown = admin.post(path, edit | {"teammate_id": gone["id"]})
    assert unknown.status_code == 400 and 'id="e-teammate_id"' in unknown.text

    deleted = admin.post(f"{path}/delete")
    assert "Category Payments deleted." in followed(admin, deleted).text
    assert categories(api) == []
    assert admin.get(path).status_code == 404
