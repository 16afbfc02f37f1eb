def with_tracing(apps, middleware):
    return [*apps, "tracing"], middleware + ["tracing.Middleware"]
