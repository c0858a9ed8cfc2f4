"""vpcsec-lint: static checks for AWS VPC security mistakes in Terraform and CloudFormation."""

__version__ = "0.1.0"
