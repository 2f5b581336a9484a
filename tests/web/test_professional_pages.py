"""The professional profile and linked accounts in the web pages: editing them, the profile
page on a professional instance (the whole structured profile) and on a personal one (its
headline and fields), and the admin's defaults for new accounts."""

import re

from fedi.services import accounts, follows, remote

from tests.web.test_settings import signed_in

FORM = {
    "headline": "Data engineer <helping> teams",
    "position": "Staff Engineer", "organization": "Acme", "location": "Berlin",
    "skills": "Python\nSQL, dbt\npython",
    "exp_rows": "2",
    "exp_role_0": "Staff Engineer", "exp_organization_0": "Acme", "exp_start_0": "2021-03", "exp_end_0": "",
    "exp_description_0": "Leads the data team.",
    "exp_role_1": "Analyst", "exp_organization_1": "Beta", "exp_start_1": "2017", "exp_end_1": "2021-02",
    "exp_description_1": "",
    "edu_rows": "1", "edu_school_0": "TU Berlin", "edu_degree_0": "MSc", "edu_start_year_0": "2012",
    "edu_end_year_0": "2014",
}


def _section(html: str, title: str) -> str:
    found = re.search(rf"<h2>{title}</h2>(.*?)</(?:ol|ul)>", html, re.S)
    assert found, f"no {title} section"
    return found.group(1)


async def test_professional_profile_editor_and_page(fed, browser_for):
    pro = await fed.start("pro.test", "professional")
    bob = await pro.user("bob")
    b = await signed_in(browser_for, pro, "bob")
    form = await b.get("/settings/professional")
    assert form.status == 200 and 'aria-current="page">Professional profile</a>' in form.text
    saved = await b.post("/settings/professional", FORM)
    assert saved.status == 200 and "Professional profile saved." in saved.text
    prof = await pro.state.store.professional_profiles.get(bob.id)
    assert prof.skills == ["Python", "SQL", "dbt"]
    assert [e.role for e in prof.experience] == ["Staff Engineer", "Analyst"]

    page = await b.get("/@bob")
    assert '<p class="headline">Data engineer &lt;helping&gt; teams</p>' in page.text
    assert "Staff Engineer at Acme · Berlin" in page.text
    assert [s for s in re.findall(r"<li>([^<]+)</li>", _section(page.text, "Skills"))] == ["Python", "SQL", "dbt"]
    experience = _section(page.text, "Experience")
    assert experience.index("Staff Engineer · Acme") < experience.index("Analyst · Beta")
    assert "Mar 2021 – now" in experience and "2017 – Feb 2021" in experience
    assert "Leads the data team." in experience
    assert "MSc" in _section(page.text, "Education") and "2012 – 2014" in _section(page.text, "Education")
    # the fields made from the profile are not listed twice on a professional page
    assert "<dt>Skills</dt>" not in page.text and "<dt>Headline</dt>" not in page.text

    # a wrong date is refused with a readable message, and the form keeps what was typed
    bad = await b.post("/settings/professional", {**FORM, "exp_start_1": "last spring", "csrf_token": form.csrf})
    assert bad.status == 422
    assert "Experience, entry 2: start must be a year (2021) or a year and month (2021-03)." in bad.text
    assert 'value="last spring"' in bad.text
    # removing an entry
    await b.get("/settings/professional")
    removed = await b.post("/settings/professional", {**FORM, "exp_remove_1": "1", "csrf_token": b.last.csrf})
    assert "Professional profile saved." in removed.text
    assert [e.role for e in (await pro.state.store.professional_profiles.get(bob.id)).experience] == \
        ["Staff Engineer"]
    # fields typed on the Profile tab with profile labels land in the profile
    await b.get("/settings/profile")
    await b.post("/settings/profile", {"display_name": "Bob", "note": "", "field_name_0": "Location",
                                       "field_value_0": "Paris", "field_name_1": "Site",
                                       "field_value_1": "https://bob.example", "privacy": "private"})
    assert (await pro.state.store.professional_profiles.get(bob.id)).location == "Paris"
    page = await b.get("/@bob")
    assert "Staff Engineer at Acme · Paris" in page.text and "<dt>Site</dt>" in page.text


async def test_personal_instance_shows_headline_and_fields(fed, browser_for):
    pro = await fed.start("pro.test", "professional")
    personal = await fed.start("personal.test", "personal")
    await pro.user("bob")
    alice = await personal.user("alice")
    b = await signed_in(browser_for, pro, "bob")
    await b.get("/settings/professional")
    await b.post("/settings/professional", FORM)
    bob_here = await remote.account_by_handle(personal.state, "bob", pro.domain)
    await follows.follow(personal.state, alice, bob_here)
    await fed.settle()

    a = await signed_in(browser_for, personal, "alice")
    page = await a.get(f"/@bob@{pro.domain}")
    assert page.status == 200
    assert '<p class="headline">Data engineer &lt;helping&gt; teams</p>' in page.text
    for name in ("Position", "Organization", "Location", "Skills", "Experience", "Education"):
        assert f"<dt>{name}</dt>" in page.text, name
    assert "<dt>Headline</dt>" not in page.text  # shown once, under the name
    assert "<h2>Experience</h2>" not in page.text  # the full sections are for professional instances
    # a personal instance has no professional profile of its own
    assert (await a.get("/settings/professional")).status == 404
    assert "Professional profile</a>" not in (await a.get("/settings/profile")).text


async def test_linked_accounts_page(fed, browser_for):
    personal = await fed.start("personal.test", "personal")
    pro = await fed.start("pro.test", "professional")
    await personal.user("alice")
    await pro.user("alice")
    a = await signed_in(browser_for, personal, "alice")
    page = await a.get("/settings/links")
    assert "No linked accounts yet." in page.text
    bad = await a.post("/settings/links", {"handle": "not a handle at all"})
    assert bad.status == 422 and 'role="alert"' in bad.text
    made = await a.post("/settings/links", {"handle": f"alice@{pro.domain}", "label": "Work"})
    assert made.status == 200 and f"Linked to @alice@{pro.domain}." in made.text
    assert "Not verified yet" in made.text and "shown as “Work”" in made.text
    p = await signed_in(browser_for, pro, "alice")
    await p.get("/settings/links")
    await p.post("/settings/links", {"handle": f"alice@{personal.domain}"})
    await fed.settle()
    page = await a.get("/settings/links")
    assert "Verified: it links back to this account." in page.text
    profile = await a.get("/@alice")
    assert '<dd class="verified"' in profile.text and f'<link rel="me" href="{pro.actor("alice")}">' in profile.text
    gone = await a.post("/settings/links/remove", {"uri": pro.actor("alice"), "csrf_token": page.csrf})
    assert "Link removed." in gone.text and "No linked accounts yet." in gone.text


async def test_admin_sets_the_defaults_of_new_accounts(fed, browser_for):
    pro = await fed.start("pro.test", "professional")
    await pro.user("boss", admin=True)
    before = await pro.user("early")
    assert before.locked and not before.discoverable
    assert (await pro.state.store.users.get(before.id)).default_visibility == "private"
    b = await signed_in(browser_for, pro, "boss")
    page = await b.get("/admin/settings")
    assert "As the instance kind has it (yes)" in page.text
    saved = await b.post("/admin/settings", {"name": "Work", "description": "", "rules": "",
                                             "registrations": "open", "approve_followers": "no",
                                             "default_visibility": "local", "discoverable": "kind"})
    assert saved.status == 200 and "The instance settings were saved." in saved.text
    later = await accounts.create_local(pro.state, "later", "later@pro.test", "password123")
    assert not later.locked and not later.discoverable
    assert (await pro.state.store.users.get(later.id)).default_visibility == "local"
    # accounts made before keep what they had
    assert (await pro.state.store.accounts.get(before.id)).locked
    wrong = await b.post("/admin/settings", {"name": "Work", "registrations": "open", "approve_followers": "maybe",
                                             "csrf_token": saved.csrf})
    assert wrong.status == 422 and "Approve followers must be kind, yes or no." in wrong.text
