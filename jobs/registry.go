package jobs

import "github.com/riverqueue/river"

// Registry holds the processor of each job kind: River's AddWorker in
// djsec's typed form. A feature registers its kinds (checkrun's Register,
// auditrun's …), the server hands the registry to NewQueue, and a test
// registers a kind again to replace it.
type Registry struct {
	processors map[string]any // kind → Processor[T] for that kind's T
}

// NewRegistry returns a registry with no processor: every kind is only
// logged until one is registered.
func NewRegistry() *Registry { return &Registry{processors: map[string]any{}} }

// Register makes p the processor of T's kind, replacing an earlier one.
func Register[T Args](r *Registry, p Processor[T]) {
	var args T
	r.processors[args.Kind()] = p
}

// Lookup returns the processor registered for T's kind (nil: none).
func Lookup[T Args](r *Registry) Processor[T] {
	var args T
	if r == nil {
		return nil
	}
	p, _ := r.processors[args.Kind()].(Processor[T])
	return p
}

// Registered builds a registry from the features' Register methods, in
// order: a later registration of a kind replaces an earlier one.
func Registered(registers ...func(*Registry)) *Registry {
	r := NewRegistry()
	for _, register := range registers {
		register(r)
	}
	return r
}

// kinds are every kind a delivery or a schedule can queue. Each gets a
// River worker, the registered processor or LogProcessor, because River
// fetches only kinds it has a worker for: a kind left out would wait in
// the queue for ever. A new kind is its Args type, one line here and the
// Register of the feature that processes it.
var kinds = []func(ws *river.Workers, r *Registry, o Options){
	addKind[PullRequestArgs], addKind[CommentArgs], addKind[CheckRerunArgs],
	addKind[CheckActionArgs], addKind[PushArgs], addKind[InstallationArgs], addKind[AuditArgs],
	addKind[AuditSweepArgs], addKind[PruneArgs], addKind[FixupArgs], addKind[RedeliverArgs],
	addKind[MergeGroupArgs],
	// Retired: no delivery queues it any more; jobs an older version
	// queued are logged and end.
	addKind[IssueArgs],
}

// addKind adds T's River worker: its registered processor, else LogProcessor.
func addKind[T Args](ws *river.Workers, r *Registry, o Options) {
	addWorker(ws, Lookup[T](r), o)
}

// RegistryOf is a registry with p as its one processor (the other kinds
// are logged only): a queue that does one kind of work.
func RegistryOf[T Args](p Processor[T]) *Registry {
	r := NewRegistry()
	Register(r, p)
	return r
}
