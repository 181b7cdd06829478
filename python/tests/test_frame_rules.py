"""The host's copy of the frame schema must say what the vendored seed document says."""

import json
import os
import unittest

from localhub_skill.frame_rules import DEFINITIONS, KIND_FIELDS, KINDS_BY_ROLE, kind_schema
from localhub_skill.skill import ENTRY_SCHEMA

SCHEMA_PATH = os.path.join(os.path.dirname(__file__), "..", "..", "catalog", "frames", "ummaya-ipc-frame.schema.json")


def without_prose(value):
    if isinstance(value, dict):
        return {key: without_prose(item) for key, item in value.items() if key not in ("description", "title", "default")}
    if isinstance(value, list):
        return [without_prose(item) for item in value]
    return value


@unittest.skipUnless(os.path.exists(SCHEMA_PATH), "catalog/frames is not beside this package (installed copy)")
class FrameRulesTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        with open(SCHEMA_PATH, encoding="utf-8") as file:
            cls.schema = json.load(file)

    def test_every_received_kind_matches_the_vendored_schema(self):
        mapping = self.schema["discriminator"]["mapping"]
        for kind in KIND_FIELDS:
            definition = without_prose(self.schema["$defs"][mapping[kind].split("/")[-1]])
            self.assertEqual(kind_schema(kind), definition, kind)

    def test_shared_definitions_and_the_manifest_entry_match(self):
        self.assertEqual(DEFINITIONS["FrameTrailer"], without_prose(self.schema["$defs"]["FrameTrailer"]))
        self.assertEqual(ENTRY_SCHEMA, without_prose(self.schema["$defs"]["AdapterManifestEntry"]))

    def test_the_host_checks_every_kind_a_backend_may_send(self):
        self.assertEqual(set(KINDS_BY_ROLE["backend"]), set(KIND_FIELDS))
        self.assertEqual(len(KIND_FIELDS), 18)


if __name__ == "__main__":
    unittest.main()
