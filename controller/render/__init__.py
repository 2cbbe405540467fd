"""Pure builders: a spec and its context in, the AWS request shapes it wants out."""
