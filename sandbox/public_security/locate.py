"""The sandbox's debtor-locate desk (查找被执行人下落): addresses, phones, hotel stays, exit and entry."""

from __future__ import annotations

from datetime import datetime, timedelta

from lxml import etree

from sandbox.public_security.common import NS, Desk, add, h

ADDRESSES = (
    "宁夏回族自治区银川市兴庆区解放东街12号",
    "宁夏回族自治区银川市金凤区北京中路168号",
    "宁夏回族自治区石嘴山市大武口区朝阳西街5号",
    "宁夏回族自治区吴忠市利通区裕民路33号",
    "宁夏回族自治区固原市原州区文化路21号",
    "宁夏回族自治区中卫市沙坡头区鼓楼西街9号",
)
HOTELS = ("银川国际交流中心酒店", "石嘴山星海宾馆", "吴忠黄河大酒店", "中卫沙坡头宾馆", "西安钟楼饭店")
PORTS = ("银川河东国际机场口岸", "北京首都国际机场口岸", "深圳罗湖口岸")


class LocateDesk(Desk):
    kind = "locate"
    submit_operation = "SubmitLocateBatch"
    fetch_operation = "FetchLocateResults"

    def outcome(self, service, identity: str) -> str:
        bucket = h(service.seed, "outcome", identity) % 10  # the hash of contract v1's first desk, kept
        if bucket < service.not_found_share:
            return "NOT_FOUND"
        if bucket < service.not_found_share + service.delayed_share:
            return "DELAYED"
        return "FOUND"

    def result(self, service, identity: str, request: dict | None, fault: str | None) -> etree._Element:
        seed = service.seed
        result = etree.Element(f"{{{NS}}}result")
        found = self.outcome(service, identity) != "NOT_FOUND"
        result_id = f"R{h(seed, 'result', identity):012x}"[:13]
        add(result, "requestId", identity)
        add(result, "resultId", result_id)
        add(result, "status", "FOUND" if found else "NOT_FOUND")
        if not found:
            return result
        n = h(seed, "data", identity)
        add(result, "registeredAddress", ADDRESSES[n % len(ADDRESSES)])
        add(result, "currentAddress", ADDRESSES[(n >> 8) % len(ADDRESSES)])
        for i in range((n >> 16) % 3):
            add(result, "phone", f"1{38 + i}{(n >> (20 + i)) % 10**8:08d}")
        base = datetime(2026, 1, 1) + timedelta(minutes=(n >> 24) % 400_000)
        events = [("HOTEL", HOTELS[(n >> (30 + i)) % len(HOTELS)]) for i in range((n >> 28) % 3)]
        if (n >> 40) % 4 == 0:
            port = PORTS[(n >> 42) % len(PORTS)]
            events += [("EXIT", port), ("ENTRY", port)]
        for i, (kind, place) in enumerate(events):
            event = etree.SubElement(result, f"{{{NS}}}event")
            add(event, "eventId", f"{result_id}-{i + 1}")
            add(event, "kind", kind)
            add(event, "place", place)
            add(event, "time", (base + timedelta(days=3 * i)).isoformat())
        return result
