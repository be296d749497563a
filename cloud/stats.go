package cloud

import (
	"context"
	"sync"

	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/smithy-go/middleware"
)

// Stats says what a Check or Discover cost.
type Stats struct {
	// Calls counts API operations by name (DescribeInstances, ...). A
	// paginated Describe* counts one call per page; retries are not counted.
	Calls map[string]int
	// Regions is the number of regions queried.
	Regions int
	// Retries counts attempts beyond the first (throttling, 5xx).
	Retries int
}

// counter counts operations and attempts through the SDK's middleware
// stack, so every call is counted whatever its outcome.
type counter struct {
	mu       sync.Mutex
	calls    map[string]int
	attempts int
}

func newCounter() *counter { return &counter{calls: map[string]int{}} }

// stats returns a snapshot of the counts.
func (c *counter) stats(regions int) Stats {
	c.mu.Lock()
	defer c.mu.Unlock()
	s := Stats{Calls: make(map[string]int, len(c.calls)), Regions: regions}
	n := 0
	for k, v := range c.calls {
		s.Calls[k] = v
		n += v
	}
	s.Retries = max(c.attempts-n, 0)
	return s
}

// apiOption installs the counting middleware on one operation's stack.
func (c *counter) apiOption(stack *middleware.Stack) error {
	call := middleware.InitializeMiddlewareFunc("resetauditCountCall",
		func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
			c.mu.Lock()
			c.calls[awsmiddleware.GetOperationName(ctx)]++
			c.mu.Unlock()
			return next.HandleInitialize(ctx, in)
		})
	if err := stack.Initialize.Add(call, middleware.Before); err != nil {
		return err
	}
	// The end of the finalize step is inside the retry loop: once per attempt.
	attempt := middleware.FinalizeMiddlewareFunc("resetauditCountAttempt",
		func(ctx context.Context, in middleware.FinalizeInput, next middleware.FinalizeHandler) (middleware.FinalizeOutput, middleware.Metadata, error) {
			c.mu.Lock()
			c.attempts++
			c.mu.Unlock()
			return next.HandleFinalize(ctx, in)
		})
	return stack.Finalize.Add(attempt, middleware.After)
}
