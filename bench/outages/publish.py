"""The live run's publisher, in its own process: `python -m bench.outages.publish PORT FILE`
publishes FILE's [topic, payload] pairs at QoS 1 as fast as the broker acknowledges."""

from __future__ import annotations

import json
import sys
import time

import paho.mqtt.client as mqtt


def main() -> None:
    port, path = int(sys.argv[1]), sys.argv[2]
    with open(path) as source:
        pairs = json.load(source)
    acknowledged = [0]
    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2)
    client.on_publish = lambda c, u, mid, reason, props: acknowledged.__setitem__(
        0, acknowledged[0] + 1
    )
    client.max_inflight_messages_set(1000)
    client.max_queued_messages_set(0)
    client.connect("127.0.0.1", port)
    client.loop_start()
    for topic, payload in pairs:
        client.publish(topic, payload.encode(), qos=1)
    while acknowledged[0] < len(pairs):
        time.sleep(0.01)
    client.disconnect()
    client.loop_stop()


if __name__ == "__main__":
    main()
