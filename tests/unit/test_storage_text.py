"""Case-insensitive search gives the same answers on SQLite and PostgreSQL, letters beyond
ASCII included (SQLite's own LIKE and lower() fold ASCII letters only)."""

from __future__ import annotations

import time

from fedi.models import ProfessionalProfile
from fedi.storage.sqlite.text import escape, fold_like, like
from tests.unit.test_storage import local_account, remote_account, store  # noqa: F401


def test_fold_like_is_ilike_with_a_backslash_escape():
    assert fold_like("Émile Zola", "émile%") and fold_like("ZOË", "%zoë%") and fold_like("straße", "STRASSE") is False
    assert fold_like("a_b", escape("a_b")) and not fold_like("axb", escape("a_b"))
    assert fold_like("100%", escape("100%")) and not fold_like("1000", escape("100%"))
    assert fold_like("back\\slash", escape("back\\slash")) and fold_like("two\nlines", "two_lines")
    assert fold_like(None, "x") is None and fold_like("x", None) is None
    # Every shape of pattern: exact, prefix, anywhere, and the general case.
    assert fold_like("ÉLIXIR", "élixir") and not fold_like("élixirs", "élixir")
    assert fold_like("Ökonom", "%KONOM") and fold_like("Ökonom", "%ONO%") and not fold_like("Ökonom", "%x%")
    assert fold_like("Ökonom", "ö_o%m") and fold_like("Ökonom", "%k%n%") and not fold_like("Ökonom", "ö_k%")
    assert fold_like("", "") and fold_like("", "%") and not fold_like("", "_")
    # Many wildcards against a long value: linear, not a regular expression backtracking.
    assert fold_like("a" * 20_000, "%a%a%a%a%a%a%a%a%a%a%a%a%b") is False
    assert fold_like("x" + "a" * 20_000 + "b", "x%a_a%a%b")
    assert like("name", "abc%") == "name LIKE ? ESCAPE '\\'" and like("name", "é%") == "fold_like(name, ?)"


async def test_account_search_folds_every_letter_on_both_backends(store):  # noqa: F811
    emile, zoe, plain = local_account("emile"), remote_account("zoe", "ÉCOLE.test"), local_account("axb")
    emile.display_name, zoe.display_name = "Émile Zola", "ZOË Ökonom"
    for account in (emile, zoe, plain):
        await store.accounts.insert(account)
    assert [a.id for a in await store.accounts.search("émile")] == [emile.id]
    assert [a.id for a in await store.accounts.search("ÉMILE z")] == [emile.id]
    assert [a.id for a in await store.accounts.search("zoë ö")] == [zoe.id]
    assert [a.id for a in await store.accounts.search("emil")] == [emile.id]  # the username
    assert await store.accounts.search("a_b") == [] and await store.accounts.search("%") == []
    found = await store.moderation.find_accounts("zoë", "all")
    assert [e["account"].id for e in found] == [zoe.id]
    found = await store.moderation.find_accounts("ZOE@école", "all")
    assert [e["account"].id for e in found] == [zoe.id]


async def test_skills_match_in_any_case_on_both_backends(store):  # noqa: F811
    ada, bo = local_account("ada"), local_account("bo")
    for account in (ada, bo):
        await store.accounts.insert(account)
    await store.professional_profiles.replace(ProfessionalProfile(
        account_id=ada.id, skills=["Élixir", "Python"], updated_at=time.time()))
    await store.professional_profiles.replace(ProfessionalProfile(
        account_id=bo.id, skills=["ÉLIXIR"], updated_at=time.time() + 1))
    assert await store.professional_profiles.with_skill("élixir") == [bo.id, ada.id]
    assert await store.professional_profiles.with_skill("PYTHON") == [ada.id]
    assert await store.professional_profiles.with_skill("elixir") == []
