"""Which addresses hookdesk may connect to outside development mode: public ones only, and no IPv6
address that carries an internal IPv4 address for a gateway to reach."""

import ipaddress
from ipaddress import IPv4Address, IPv6Address

# Every address of these carries an IPv4 address in its last 32 bits (RFC 4291, RFC 6052).
_IPV4_COMPATIBLE = ipaddress.ip_network("::/96")
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
# Local-use NAT64 (RFC 8215): where the IPv4 address sits depends on the network's own prefix
# length, and the range is for inside a network anyway, so none of it is public.
_LOCAL_NAT64 = ipaddress.ip_network("64:ff9b:1::/48")


def embedded_ipv4(ip: IPv6Address) -> IPv4Address | None:
    """The IPv4 address a gateway or tunnel reaches for this IPv6 address, if it carries one."""
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.teredo is not None:
        return ip.teredo[1]  # the client's address, its bits un-inverted by `ipaddress`
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip in _NAT64 or ip in _IPV4_COMPATIBLE:
        return IPv4Address(ip.packed[-4:])
    return None


def is_public_address(address: str) -> bool:
    ip = ipaddress.ip_address(address)
    if isinstance(ip, IPv6Address):
        if ip in _LOCAL_NAT64:
            return False
        carried = embedded_ipv4(ip)
        if carried is not None:
            ip = carried
    return ip.is_global and not ip.is_multicast
