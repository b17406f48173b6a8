package main

import (
	"errors"
	"flag"
)

func init() {
	register(&command{
		name:    "train",
		summary: "train HALO (default: tiny preset on the embedded synthetic dataset)",
		run:     runTrain,
	})
}

func runTrain(fs *flag.FlagSet, args []string) error {
	if err := parse(fs, args); err != nil {
		return err
	}
	return errors.New("the trainer is not built yet: it needs the network (issue 4), the data pipeline (issue 5) and the training loop (issue 6)")
}
