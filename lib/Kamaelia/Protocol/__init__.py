"""Protocols spoken over the TCP client: MQTT (Kamaelia.Protocol.MQTT)."""
