"""An independent mDNS browser (PyPI zeroconf), for the namespace test.

Looks for _comanda._tcp.local. for up to 15 s and resolves comanda.local.; prints JSON
{"services": [{name, server, port, addresses, properties}], "host": [addresses]}.
"""
import json
import time

from zeroconf import AddressResolver, IPVersion, ServiceBrowser, Zeroconf

TYPE = "_comanda._tcp.local."
zc = Zeroconf()
names = []


class Listener:
    def add_service(self, zc, type_, name):
        names.append(name)

    def update_service(self, zc, type_, name):
        pass

    def remove_service(self, zc, type_, name):
        pass


browser = ServiceBrowser(zc, TYPE, Listener())
deadline = time.time() + 15
while not names and time.time() < deadline:
    time.sleep(0.1)

services = []
for name in names:
    info = zc.get_service_info(TYPE, name, timeout=5000)
    if info:
        services.append({
            "name": name,
            "server": info.server,
            "port": info.port,
            "addresses": info.parsed_addresses(IPVersion.V4Only),
            "properties": {k.decode(): (v.decode() if v else "") for k, v in info.properties.items()},
        })

resolver = AddressResolver("comanda.local.")
resolver.request(zc, 5000)
host = resolver.ip_addresses_by_version(IPVersion.V4Only)
print(json.dumps({"services": services, "host": [str(a) for a in host]}))
browser.cancel()
zc.close()
