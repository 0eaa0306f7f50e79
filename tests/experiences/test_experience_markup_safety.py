"""Nothing a user types can run script on any page it appears on: the write-up page (Markdown
fields, follow-ups, comments), the history and its diffs, the review queue, the account page,
the home page."""

from __future__ import annotations

from datetime import date
from html.parser import HTMLParser

import pytest

from kb.db import commit
from kb.experiences import operations as ops

PAYLOADS = [
    "<script>alert('x')</script>",
    '<img src=x onerror="alert(1)">',
    "[clic](javascript:alert(1))",
    "[données](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    '<a href="javascript:alert(1)">lien</a>',
    '<iframe src="https://evil.example"></iframe>',
    '<p style="background:url(javascript:alert(1))">style</p>',
    '<svg onload="alert(1)"></svg>',
    "<details open ontoggle=alert(1)>",
    '"><script>alert(1)</script>',
]
PAYLOAD = "\n\n".join(PAYLOADS)
FORBIDDEN_TAGS = {"iframe", "svg", "object", "embed", "style", "math", "base"}


class _TagAudit(HTMLParser):
    """Every element and attribute a browser would build from the page, checked."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []

    def handle_starttag(self, tag, attrs):
        values = dict(attrs)
        if tag == "script" and not (values.get("src") or "").startswith(("/static/", "/dsfr/")):
            self.problems.append(f"inline or foreign script {attrs}")
        if tag in FORBIDDEN_TAGS:
            self.problems.append(f"<{tag}>")
        for name, value in attrs:
            target = (value or "").strip().lower()
            if name.startswith("on") or name == "style":
                self.problems.append(f"<{tag} {name}=…>")
            if name in ("href", "src", "action") and target.startswith(("javascript:", "data:")):
                self.problems.append(f"<{tag} {name}={value!r}>")


def assert_inert(page: str) -> None:
    audit = _TagAudit()
    audit.feed(page)
    assert audit.problems == []


@pytest.fixture
def hostile_experience(create_user, file_experience, experience_data):
    """A published write-up with a payload in every free-text field, a follow-up and a
    moderation comment, and a later edit (for the history's diff)."""
    author = create_user()
    moderator = create_user(role="moderateur")
    fields = {name: PAYLOAD for name in ("context", "actions", "results", "lessons", "partners")}
    experience = file_experience(
        author, state="soumise", title=PAYLOADS[1][:200], summary=PAYLOADS[0],
        contact_name=PAYLOADS[1][:200], contact_role=PAYLOADS[0], funders=[PAYLOADS[1]],
        **fields)
    ops.send_back_experience(experience, moderator, PAYLOAD)
    ops.update_experience(experience, author, experience_data(context=PAYLOAD + "\nsuite",
                                                              title=PAYLOADS[9], **{
        k: v for k, v in fields.items() if k != "context"}), base_version=experience.version)
    ops.submit_experience(experience, author, PAYLOAD)
    ops.publish_experience(experience, moderator, PAYLOAD)
    ops.add_follow_up(experience, author, date(2023, 5, 1), PAYLOAD, title=PAYLOADS[1][:200])
    commit()
    return author, moderator, experience


def test_the_write_up_page_is_inert(app, login_as, hostile_experience):
    author, moderator, experience = hostile_experience
    for user in (None, author, moderator):
        client = app.test_client()
        if user:
            login_as(user=user, test_client=client)
        page = client.get(f"/experiences/{experience.id}", follow_redirects=True)
        assert page.status_code == 200
        assert_inert(page.get_data(as_text=True))


def test_the_history_and_its_diffs_are_inert(client, login_as, hostile_experience):
    author, _moderator, experience = hostile_experience
    login_as(user=author)
    for query in ("", "?de=1&a=4", "?de=3&a=4", "?de=1&a=7"):
        page = client.get(f"/experiences/{experience.id}/historique{query}")
        assert page.status_code == 200
        assert_inert(page.get_data(as_text=True))


def test_the_queue_the_account_and_the_home_page_are_inert(app, login_as, hostile_experience,
                                                           create_user):
    author, moderator, experience = hostile_experience
    ops.archive_experience(experience, moderator, PAYLOAD)
    ops.publish_experience(experience, moderator, PAYLOAD)
    other = ops.create_experience(author, {**experience_fields(experience), "title": "Autre"})
    ops.submit_experience(other, author, PAYLOAD)
    commit()
    for user, url in ((moderator, "/moderation"), (author, "/compte"), (None, "/")):
        client = app.test_client()
        if user:
            login_as(user=user, test_client=client)
        page = client.get(url)
        assert page.status_code == 200
        assert_inert(page.get_data(as_text=True))


def test_the_edit_form_shows_the_text_escaped(client, login_as, hostile_experience):
    author, _moderator, experience = hostile_experience
    login_as(user=author)
    page = client.get(f"/experiences/{experience.id}/modifier").get_data(as_text=True)
    assert_inert(page)
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in page


def experience_fields(experience) -> dict:
    from kb.experiences.snapshot import experience_snapshot

    return experience_snapshot(experience)
