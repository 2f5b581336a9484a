"""Structured professional profiles: the profile row and its skills, roles and schools."""

from __future__ import annotations

from fedi.models import Education, Experience, ProfessionalProfile
from fedi.storage.sqlite.text import escape
from fedi.storage.sqlite.values import listed, values


class SqliteProfessionalProfiles:
    def __init__(self, db):
        self.db = db

    async def get(self, account_id: str) -> ProfessionalProfile | None:
        return (await self.get_many([account_id])).get(account_id)

    async def get_many(self, ids) -> dict[str, ProfessionalProfile]:
        ids = list(set(ids))
        if not ids:
            return {}
        marks = listed()
        rows = await self.db.fetchkeyed(
            f"SELECT account_id, headline, position, organization, location, updated_at "
            f"FROM professional_profiles WHERE account_id IN ({marks})", [values(ids)])
        found = {r[0]: ProfessionalProfile(account_id=r[0], headline=r[1], position=r[2], organization=r[3],
                                           location=r[4], updated_at=r[5]) for r in rows}
        if not found:
            return {}
        keys = [values(found)]
        for r in await self.db.fetchkeyed(
                f"SELECT account_id, name FROM profile_skills WHERE account_id IN ({marks}) "
                f"ORDER BY account_id, position", keys):
            found[r[0]].skills.append(r[1])
        for r in await self.db.fetchkeyed(
                f"SELECT account_id, role, organization, start_date, end_date, description "
                f"FROM profile_experience WHERE account_id IN ({marks}) ORDER BY account_id, position", keys):
            found[r[0]].experience.append(Experience(role=r[1], organization=r[2], start=r[3], end=r[4],
                                                     description=r[5]))
        for r in await self.db.fetchkeyed(
                f"SELECT account_id, school, degree, start_year, end_year FROM profile_education "
                f"WHERE account_id IN ({marks}) ORDER BY account_id, position", keys):
            found[r[0]].education.append(Education(school=r[1], degree=r[2], start_year=r[3], end_year=r[4]))
        return found

    async def replace(self, profile: ProfessionalProfile) -> None:
        """Store the whole profile (call inside a transaction); an empty one is removed."""
        await self.delete(profile.account_id)
        if profile.empty:
            return
        aid = profile.account_id
        await self.db.execute(
            "INSERT INTO professional_profiles (account_id, headline, position, organization, location, "
            "updated_at) VALUES (?,?,?,?,?,?)",
            (aid, profile.headline, profile.position, profile.organization, profile.location, profile.updated_at))
        if profile.skills:
            await self.db.executemany("INSERT INTO profile_skills (account_id, position, name) VALUES (?,?,?)",
                                      [(aid, n, s) for n, s in enumerate(profile.skills)])
        if profile.experience:
            await self.db.executemany(
                "INSERT INTO profile_experience (account_id, position, role, organization, start_date, end_date, "
                "description) VALUES (?,?,?,?,?,?,?)",
                [(aid, n, e.role, e.organization, e.start, e.end, e.description)
                 for n, e in enumerate(profile.experience)])
        if profile.education:
            await self.db.executemany(
                "INSERT INTO profile_education (account_id, position, school, degree, start_year, end_year) "
                "VALUES (?,?,?,?,?,?)",
                [(aid, n, e.school, e.degree, e.start_year, e.end_year) for n, e in enumerate(profile.education)])

    async def delete(self, account_id: str) -> None:
        await self.db.execute("DELETE FROM professional_profiles WHERE account_id = ?", (account_id,))

    async def with_skill(self, skill: str, limit: int = 40) -> list[str]:
        """Ids of accounts listing this skill (any case), most recently updated first."""
        # lower() on SQLite folds ASCII letters only: other names are matched as PostgreSQL
        # matches them, without the index.
        same = ("lower(s.name) = lower(?)", skill) if skill.isascii() else ("fold_like(s.name, ?)", escape(skill))
        rows = await self.db.fetchall(
            "SELECT s.account_id FROM profile_skills s JOIN professional_profiles p USING (account_id) "
            f"WHERE {same[0]} ORDER BY p.updated_at DESC LIMIT ?", (same[1], limit))
        return [r[0] for r in rows]
