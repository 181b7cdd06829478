import unittest

from localhub_skill import Skill
from localhub_skill.skill import pattern_matches


def skill_with(*tool_ids, **tool_options):
    skill = Skill("skill.unit")
    for tool_id in tool_ids:
        skill.tool(tool_id, **tool_options)(lambda arguments, context: None)
    return skill


class ManifestTest(unittest.TestCase):
    def test_a_good_manifest_has_no_issue_and_entries_sorted_by_tool_id(self):
        skill = skill_with("zeta", "alpha")
        self.assertIsNone(skill.validate_manifest())
        self.assertEqual([entry["tool_id"] for entry in skill.entries()], ["alpha", "zeta"])
        self.assertEqual(skill.entries()[0]["source_mode"], "internal")

    def test_problems_point_into_the_entries(self):
        self.assertEqual(skill_with().validate_manifest().path, "/entries")
        self.assertEqual(skill_with("Bad-Id").validate_manifest().path, "/entries/0/tool_id")
        self.assertEqual(skill_with("echo", "echo").validate_manifest().path, "/entries/1/tool_id")
        self.assertEqual(skill_with("echo", primitive="fetch").validate_manifest().path, "/entries/0/primitive")
        self.assertEqual(skill_with("echo", name="n" * 81).validate_manifest().path, "/entries/0/name")
        self.assertEqual(skill_with("echo", input_schema={"type": "string"}).validate_manifest().path, "/entries/0/input_schema_json/type")
        self.assertEqual(Skill("").validate_manifest().path, "/skill_id")

    def test_bad_event_patterns_are_manifest_problems(self):
        skill = skill_with("echo")
        skill.on("note.>.x")(lambda event, context: None)
        self.assertEqual(skill.validate_manifest().path, "/handlers/0")


class PatternTest(unittest.TestCase):
    def test_nats_wildcards_on_types(self):
        self.assertTrue(pattern_matches("note.created", "note.created"))
        self.assertTrue(pattern_matches("note.*", "note.created"))
        self.assertFalse(pattern_matches("note.*", "note.created.v2"))
        self.assertTrue(pattern_matches("note.>", "note.created.v2"))
        self.assertFalse(pattern_matches("note.>", "note"))
        self.assertTrue(pattern_matches(">", "anything.at.all"))
        self.assertFalse(pattern_matches("chat.*", "note.created"))


if __name__ == "__main__":
    unittest.main()
