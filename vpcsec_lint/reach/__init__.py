"""Reachability: can a workload reach what it needs, and if not, which hop blocks it?

- `network`: where workloads and targets sit (subnets and groups); what their route
  tables, NACLs and peering connections do is `vpcsec_lint.network`, the model the
  single-setting rules ask too.
- `hops`: one function per hop, each answering ok / blocked / unknown with the setting
  to change.
- `paths`: the path AWS really takes (local, peering, endpoints, NAT, internet gateway)
  and the verdict over every source/target subnet pair.
- `intents`: what must be reachable, from the code and from `reach:` entries.
- `explain`: verdict text, fixes, and the `reach` subcommand's output.
"""
