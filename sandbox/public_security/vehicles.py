"""The sandbox's vehicle desk (查控车辆 / 车辆布控): vehicles registered to a person, control of a plate,
and interceptions (查获) of some controlled vehicles. Deterministic per seed and request id."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from lxml import etree

from sandbox.public_security.common import NS, Desk, add, h

SERIAL = "0123456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # GA 36: no I, no O
VIN_CHARACTERS = "0123456789ABCDEFGHJKLMNPRSTUVWXYZ"  # ISO 3779: no I, O, Q
OFFICES = {  # 宁A … 宁E and the vehicle administration office that registers them
    "A": "银川市公安局交通警察支队车辆管理所",
    "B": "石嘴山市公安局交通警察支队车辆管理所",
    "C": "吴忠市公安局交通警察支队车辆管理所",
    "D": "固原市公安局交通警察支队车辆管理所",
    "E": "中卫市公安局交通警察支队车辆管理所",
}
MODELS = (("大众", "K33"), ("丰田", "K33"), ("比亚迪", "K33"), ("长城", "K31"), ("五菱", "K41"),
          ("东风", "H31"), ("解放", "H11"), ("宇通", "K11"))  # fmt: skip
CHECKPOINTS = (
    "G6京藏高速银川东收费站",
    "石嘴山市大武口区公安检查站",
    "吴忠市利通区滨河大道交警卡口",
    "中卫市沙坡头区G2012定武高速出口",
    "固原市原州区六盘山公安检查站",
)
INTERCEPTED_SHARE = 3  # of 10 controlled vehicles


def plate_for(seed: int, *parts: object) -> str:
    """A well-formed Ningxia plate (GA 36): 宁, an office letter, five serial characters."""
    n = h(seed, "plate", *parts)
    office = "ABCDE"[n % 5]
    serial = "".join(SERIAL[(n >> (8 + 6 * i)) % len(SERIAL)] for i in range(5))
    return f"宁{office}{serial}"


class VehicleDesk(Desk):
    kind = "vehicle"
    submit_operation = "SubmitVehicleBatch"
    fetch_operation = "FetchVehicleResults"

    def intercepted(self, service, identity: str) -> bool:
        """Whether a controlled vehicle of this request is stopped somewhere (查获)."""
        return h(service.seed, "intercept", identity) % 10 < INTERCEPTED_SHARE

    def result(self, service, identity: str, request: dict | None, fault: str | None) -> etree._Element:
        seed = service.seed
        request = request or {"kind": "SEARCH"}
        control = request.get("kind") == "CONTROL"
        found = self.outcome(service, identity) != "NOT_FOUND"
        result = etree.Element(f"{{{NS}}}result")
        result_id = f"V{h(seed, 'vehicle-result', identity):012x}"[:13]
        add(result, "requestId", identity)
        add(result, "resultId", result_id)
        add(result, "status", ("CONTROLLED" if control else "FOUND") if found else "NOT_FOUND")
        if not found:
            return result
        count = 1 if control else 1 + h(seed, "vehicles", identity) % 2
        for i in range(count):
            plate = request.get("plate") if control and request.get("plate") else plate_for(seed, identity, i)
            self._vehicle(result, seed, f"{result_id}-V{i + 1}", plate)
        if control and self.intercepted(service, identity):
            n = h(seed, "intercept-data", identity)
            interception = etree.SubElement(result, f"{{{NS}}}interception")
            add(interception, "interceptionId", f"{result_id}-I1")
            add(interception, "plate", request.get("plate") or plate_for(seed, identity, 0))
            add(interception, "place", CHECKPOINTS[n % len(CHECKPOINTS)])
            when = datetime(2026, 11, 1, 6, 0) + timedelta(minutes=(n >> 8) % 40_000)
            add(interception, "time", when.isoformat())
        return result

    @staticmethod
    def _vehicle(result: etree._Element, seed: int, vehicle_id: str, plate: str) -> None:
        n = h(seed, "vehicle-data", vehicle_id)
        brand, vehicle_type = MODELS[n % len(MODELS)]
        vehicle = etree.SubElement(result, f"{{{NS}}}vehicle")
        add(vehicle, "vehicleId", vehicle_id)
        add(vehicle, "plate", plate)
        add(vehicle, "brand", brand)
        add(vehicle, "vehicleType", vehicle_type)
        add(vehicle, "vin", "L" + "".join(VIN_CHARACTERS[(n >> (4 * i)) % len(VIN_CHARACTERS)] for i in range(16)))
        add(vehicle, "registrationOffice", OFFICES.get(plate[1:2], OFFICES["A"]))
        add(vehicle, "registeredOn", (date(2012, 1, 1) + timedelta(days=(n >> 20) % 4_000)).isoformat())
