"""vpcsec-lint's own rules: one module per rule, named by its ID (`vsl101_...`).

This directory is installed as the package `vpcsec_lint.rules`; the registry
imports every `vslNNN_*` module in it. A rule's fixtures live under
`fixtures/terraform/VSLNNN/` and `fixtures/cloudformation/VSLNNN/`.
"""
