"""The sandbox's exit-restriction desk (限制出境): versioned orders, acknowledged with the border
authority's order number (边控对象编号).

The partner keeps the newest version per order id: an order with a higher version than the one held is
applied (ISSUE → ACTIVE, LIFT → LIFTED); an older one is acknowledged STALE and changes nothing, so a
lift is never overtaken by an older order arriving late. The same version again is a duplicate while it
is the newest; once a newer one is held, it is decided again (STALE, under a new acknowledgement id).
"""

from __future__ import annotations

from lxml import etree

from sandbox.public_security.common import NS, Desk, add, h


class ExitDesk(Desk):
    kind = "exit"
    submit_operation = "SubmitExitOrders"
    fetch_operation = "FetchExitAcks"
    request_element = "order"
    result_element = "ack"
    key_element = "orderId"

    def identity(self, request: dict) -> str:
        return f"{request['orderId']}:{request['version']}"

    def key(self, identity: str) -> str:
        return identity.split(":")[0]

    def decide_again(self, service, identity: str, request: dict) -> bool:
        held = service.exit_orders.get(self.key(identity))
        return held is not None and int(request["version"]) < held["version"]

    def accept(self, service, identity: str, request: dict) -> None:
        order_id, version = self.key(identity), int(request["version"])
        held = service.exit_orders.get(order_id)
        if held is None or version > held["version"]:
            held = {"version": version, "action": request["action"]}
            service.exit_orders[order_id] = held
            state = "LIFTED" if request["action"] == "LIFT" else "ACTIVE"
        else:
            state = "STALE"
            service.stats["stale"] = service.stats.get("stale", 0) + 1
        service.exit_decisions[identity] = {
            "state": state, "action": request["action"], "held_version": held["version"],
            "held_action": held["action"],
        }  # fmt: skip

    def outcome(self, service, identity: str) -> str:
        """An order is always acknowledged (never NOT_FOUND); some acknowledgements are delayed."""
        delayed = h(service.seed, "outcome", self.kind, identity) % 10 < service.delayed_share
        return "DELAYED" if delayed else "FOUND"

    def border_order_no(self, service, order_id: str) -> str:
        return f"BK{h(service.seed, 'border', order_id) % 10**12:012d}"

    def result(self, service, identity: str, request: dict | None, fault: str | None) -> etree._Element:
        order_id, version = self.key(identity), identity.partition(":")[2] or "1"
        decision = service.exit_decisions.get(identity) or {
            "state": "ACTIVE", "action": "ISSUE", "held_version": int(version), "held_action": "ISSUE",
        }  # fmt: skip
        ack = etree.Element(f"{{{NS}}}ack")
        add(ack, "orderId", order_id)
        add(ack, "ackId", f"A{h(service.seed, 'ack', identity, decision['state']):012x}"[:13])
        add(ack, "version", version)
        add(ack, "action", decision["action"])
        add(ack, "status", decision["state"])
        add(ack, "borderOrderNo", self.border_order_no(service, order_id))
        add(ack, "heldVersion", decision["held_version"])
        add(ack, "heldAction", decision["held_action"])
        return ack
