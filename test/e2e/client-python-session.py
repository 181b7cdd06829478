"""Drives python/localhub_client against the hub a test started (client-python.test.ts).

argv: python dir, hub url, token. Prints one JSON line per step; before the restart step it
prints "RESTART" and waits for a line on stdin saying the hub is back.
"""

import json
import sys
import threading
import time

sys.path.insert(0, sys.argv[1])
from localhub_client import HubClient, HubClientError  # noqa: E402
from localhub_events import payload_model  # noqa: E402

url, token = sys.argv[2], sys.argv[3]
hub = HubClient(url, token, tail_retry_delay_s=0.1)


def report(step, **fields):
    print(json.dumps({"step": step, **fields}), flush=True)


report("hello", text=hub.chat_text("hello there", session_id="client-py-1"))

# Two file writes the scripted model asks for, approved from a second thread as they come.
approved = []
stop = threading.Event()


def approver():
    while not stop.is_set():
        for approval in hub.approvals(status="pending"):
            hub.approve(approval["id"], reason="fine")
            approved.append(approval["targets"])
        time.sleep(0.05)


thread = threading.Thread(target=approver)
thread.start()
parts = list(hub.chat("Please write two notes", session_id="client-py-2"))
stop.set()
thread.join()
report(
    "notes",
    text="".join(part.get("text", "") for part in parts),
    statuses=[part["data"]["status"] for part in parts if part["event"] == "tool.status"],
    approved=len(approved),
    first=parts[0]["event"],
)

receipts = [hub.publish({"type": "ui.feedback", "payload": {"target": f"py-{i}", "helpful": True}}) for i in range(5)]
paged = HubClient(url, token, replay_page_size=2)
replayed = [event["seq"] for event in paged.replay(filter="ui.feedback", from_=receipts[0]["seq"])]
report("replay", receipts=[r["seq"] for r in receipts], replayed=replayed)

# Every event of the session validates in the stored form with the generated models.
invalid = []
for event in hub.replay():
    try:
        payload_model(event["type"], event["version"], stored=True).model_validate(event["payload"])
    except Exception as error:  # noqa: BLE001 - reported to the test
        invalid.append(f"{event['type']}: {error}"[:300])
report("stored", invalid=invalid)

first = hub.publish({"type": "ui.feedback", "payload": {"target": "tail-0", "helpful": True}})
with hub.tail(filter="ui.feedback", from_seq=first["seq"]) as tail:
    hub.publish({"type": "ui.feedback", "payload": {"target": "tail-1", "helpful": True}})
    seen = [next(tail)["payload"]["target"], next(tail)["payload"]["target"]]
    print("RESTART", flush=True)
    sys.stdin.readline()
    seen += [next(tail)["payload"]["target"], next(tail)["payload"]["target"]]
    report("tail", seen=seen, reconnects=tail.reconnects, last_seq=tail.last_seq)

# A live tail (no from_seq) is connected when its block is entered: what is published right after
# is delivered, not only what comes once the first next() has connected.
with hub.tail(filter="ui.feedback") as live:
    hub.publish({"type": "ui.feedback", "payload": {"target": "live-1", "helpful": True}})
    later = threading.Timer(1.0, lambda: hub.publish({"type": "ui.feedback", "payload": {"target": "live-2", "helpful": True}}))
    later.start()
    report("live", first=next(live)["payload"]["target"])
    later.join()

refusals = {}
try:
    hub.publish({"type": "ui.feedback", "payload": {"target": 7}})
except HubClientError as error:
    refusals["invalid"] = [error.code, error.status]
try:
    HubClient(url, "not-the-token").approvals()
except HubClientError as error:
    refusals["token"] = [error.code, error.status]
try:
    next(iter(HubClient(url, "not-the-token").tail()))
except HubClientError as error:
    refusals["tail_token"] = [error.code, error.status]
try:
    next(iter(hub.tail(filter="bad..pattern")))
except HubClientError as error:
    refusals["tail_filter"] = [error.code, error.status]
try:
    HubClient("http://127.0.0.1:9", "t", request_timeout_s=2).chat_text("hi")
except HubClientError as error:
    refusals["unreachable"] = [error.code, error.status]
for name, arguments in {"bad_url": ("ftp://x", "t"), "no_token": (url, " ")}.items():
    try:
        HubClient(*arguments)
    except ValueError as error:
        refusals[name] = str(error)[:40]
report("refusals", **refusals)
