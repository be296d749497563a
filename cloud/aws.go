package cloud

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/smithy-go"
)

// AWSOptions configure NewAWS. The zero value uses the standard credential
// chain, the configured region and the SDK's endpoint resolution.
type AWSOptions struct {
	// Profile selects a shared-config profile ("" = AWS_PROFILE or default).
	// Profiles that assume a role work as they do for the AWS CLI.
	Profile string
	// Regions to query; empty means the configuration's region.
	Regions []string
	// Endpoint overrides the EC2 endpoint. Without it the SDK honours
	// AWS_ENDPOINT_URL_EC2 and AWS_ENDPOINT_URL.
	Endpoint string
	// HTTPClient is used for every request when set. With AWS_CA_BUNDLE
	// set, the SDK accepts only its own *awshttp.BuildableClient here.
	HTTPClient *http.Client
	// MaxAttempts and MaxBackoff tune the SDK's standard retryer (0 = the
	// SDK's defaults: 3 attempts, 20s maximum backoff).
	MaxAttempts int
	MaxBackoff  time.Duration
}

// AWS evaluates hosts against EC2 security groups and network ACLs.
type AWS struct {
	regions []string
	clients map[string]*ec2.Client
}

// NewAWS loads the AWS configuration and credentials. It fails when no
// credentials can be found or no region is known, so that a sweep with
// --cloud aws stops before it starts rather than marking every host.
func NewAWS(ctx context.Context, o AWSOptions) (*AWS, error) {
	var opts []func(*config.LoadOptions) error
	if o.Profile != "" {
		opts = append(opts, config.WithSharedConfigProfile(o.Profile))
	}
	if o.HTTPClient != nil {
		opts = append(opts, config.WithHTTPClient(o.HTTPClient))
	}
	if o.MaxAttempts > 0 || o.MaxBackoff > 0 {
		opts = append(opts, config.WithRetryer(func() aws.Retryer {
			return retry.NewStandard(func(so *retry.StandardOptions) {
				if o.MaxAttempts > 0 {
					so.MaxAttempts = o.MaxAttempts
				}
				if o.MaxBackoff > 0 {
					so.MaxBackoff = o.MaxBackoff
					so.Backoff = retry.NewExponentialJitterBackoff(o.MaxBackoff)
				}
			})
		}))
	}
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return nil, fmt.Errorf("aws: loading configuration: %w", err)
	}
	if _, err := cfg.Credentials.Retrieve(ctx); err != nil {
		return nil, fmt.Errorf("aws: no usable credentials (set AWS_PROFILE or --aws-profile, AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, or run where an instance role is available): %w", err)
	}
	regions := o.Regions
	if len(regions) == 0 {
		if cfg.Region == "" {
			return nil, errors.New("aws: no region: set --aws-region or AWS_REGION, or a region in the profile")
		}
		regions = []string{cfg.Region}
	}
	a := &AWS{clients: map[string]*ec2.Client{}}
	for _, r := range regions {
		if _, dup := a.clients[r]; dup {
			continue
		}
		a.regions = append(a.regions, r)
		a.clients[r] = ec2.NewFromConfig(cfg, func(eo *ec2.Options) {
			eo.Region = r
			if o.Endpoint != "" {
				eo.BaseEndpoint = aws.String(o.Endpoint)
			}
		})
	}
	return a, nil
}

// apiError turns an SDK error into one that says what went wrong in terms
// an operator acts on, keeping the SDK's error wrapped.
func apiError(region, op string, err error) error {
	var ae smithy.APIError
	var maxAttempts *retry.MaxAttemptsError
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return fmt.Errorf("aws %s: %s timed out: %w", region, op, err)
	case errors.Is(err, context.Canceled):
		return fmt.Errorf("aws %s: %s cancelled: %w", region, op, err)
	case errors.As(err, &maxAttempts) && errors.As(err, &ae) && retry.IsErrorThrottles(retry.DefaultThrottles).IsErrorThrottle(err).Bool():
		return fmt.Errorf("aws %s: %s throttled (%s) after %d attempts: %w", region, op, ae.ErrorCode(), maxAttempts.Attempt, err)
	case errors.As(err, &ae):
		switch ae.ErrorCode() {
		case "UnauthorizedOperation", "AccessDenied", "AccessDeniedException":
			return fmt.Errorf("aws %s: access denied to ec2:%s (grant it to the auditor's role): %w", region, op, err)
		case "AuthFailure", "InvalidClientTokenId", "SignatureDoesNotMatch", "ExpiredToken", "RequestExpired":
			return fmt.Errorf("aws %s: credentials rejected calling %s (%s): %w", region, op, ae.ErrorCode(), err)
		}
	}
	return fmt.Errorf("aws %s: %s: %w", region, op, err)
}
