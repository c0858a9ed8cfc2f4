"""The network model: what route tables, routes, network ACLs and peering connections do.

The single place that answers these questions, for the rules (VSL301–VSL303, VSL401)
and for the reachability hops alike:

- `routes`: a route's destinations, a route table's VPC, the table that governs a subnet
  (explicit association, else the VPC's main table), longest-prefix lookup, the default
  route and internet-gateway attachment.
- `peering`: the two VPCs of a peering connection, which one is the peer, and whether it
  joins two given VPCs.
- `acls`: the network ACL that governs a subnet (explicit association, else the default
  NACL) and how its entries decide: first match by rule number, with unknown entries
  bounded from both sides.

Every answer may be "unknown"; nothing here guesses.
"""
