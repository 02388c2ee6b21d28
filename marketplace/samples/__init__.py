"""Sample requests: a buyer asks for a sample of a listing; its supplier accepts, declines
or ships it."""
