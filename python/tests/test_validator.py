import unittest

from localhub_skill.validator import SchemaChecker


class ValidatorTest(unittest.TestCase):
    def setUp(self):
        self.document = {"$defs": {"Name": {"type": "string", "minLength": 1, "maxLength": 3}}}
        self.checker = SchemaChecker(self.document)
        self.schema = {
            "type": "object",
            "required": ["name", "count"],
            "additionalProperties": False,
            "properties": {
                "name": {"$ref": "#/$defs/Name"},
                "count": {"type": "integer", "minimum": 0},
                "tags": {"type": "array", "items": {"enum": ["a", "b"]}, "minItems": 1},
                "note": {"anyOf": [{"type": "string", "maxLength": 2}, {"type": "null"}]},
                "a/b": {"type": "boolean"},
            },
        }

    def issue(self, value):
        found = self.checker.first_issue(self.schema, value)
        return None if found is None else found.as_details()

    def test_valid_values_pass(self):
        self.assertIsNone(self.issue({"name": "abc", "count": 2, "tags": ["a"], "note": None, "a/b": True}))
        self.assertIsNone(self.issue({"name": "a", "count": 2.0}))  # 2.0 is an integer in JSON Schema

    def test_problems_are_data_with_json_pointer_paths(self):
        self.assertEqual(self.issue({"count": 1})["path"], "/name")
        self.assertEqual(self.issue({"name": "abcd", "count": 1}), {"path": "/name", "expected": "a string of at most 3 characters", "got": "4 characters"})
        self.assertEqual(self.issue({"name": "a", "count": True})["expected"], "integer")
        self.assertEqual(self.issue({"name": "a", "count": -1})["path"], "/count")
        self.assertEqual(self.issue({"name": "a", "count": 1, "tags": ["a", "c"]})["path"], "/tags/1")
        self.assertEqual(self.issue({"name": "a", "count": 1, "tags": []})["path"], "/tags")
        self.assertEqual(self.issue({"name": "a", "count": 1, "a/b": 3})["path"], "/a~1b")
        self.assertEqual(self.issue({"name": "a", "count": 1, "extra": 1})["path"], "/extra")
        self.assertEqual(self.issue({"name": "a", "count": 1, "note": "long"})["path"], "/note")
        self.assertEqual(self.issue([1])["expected"], "object")

    def test_got_is_short_for_big_values(self):
        got = self.issue({"name": "a", "count": 1, "note": ["x" * 10_000]})["got"]
        self.assertLess(len(got), 200)


if __name__ == "__main__":
    unittest.main()
