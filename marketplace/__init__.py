"""美谷原料 marketplace: the HTTP service. `marketplace.app.create_app` builds it."""
