package siteops

import (
	"context"
	"fmt"
)

// SecretChange is one `secret set` or `secret unset`.
type SecretChange struct {
	Site, Name string
	// Value is the new value; empty removes the secret.
	Value string
	// NoRestart only stores the change; instances see it when they are
	// next replaced.
	NoRestart bool
}

// ChangeSecret stores the change, then replaces the site's instances so
// they read it: each new instance starts beside an old one, which stops
// only once the new one is healthy. A site not deployed yet reads it at
// its first apply.
func (s *Service) ChangeSecret(ctx context.Context, c SecretChange) error {
	if c.Value == "" {
		if err := s.Secrets.Unset(ctx, c.Site, c.Name); err != nil {
			return err
		}
		fmt.Fprintf(s.Out, "secret %s of %s removed\n", c.Name, c.Site)
	} else {
		if err := s.Secrets.Set(ctx, c.Site, c.Name, c.Value); err != nil {
			return err
		}
		fmt.Fprintf(s.Out, "secret %s of %s set\n", c.Name, c.Site)
	}
	if c.NoRestart {
		fmt.Fprintf(s.Out, "running instances keep the old values until they are replaced (hostctl site restart %s)\n", c.Site)
		return nil
	}
	deployed, err := s.Jobs.Deployed(ctx, c.Site)
	if err != nil {
		return err
	}
	if !deployed {
		fmt.Fprintf(s.Out, "%s is not deployed; its instances will read the secret when it is applied\n", c.Site)
		return nil
	}
	return s.Jobs.Restart(ctx, c.Site, s.Out)
}
