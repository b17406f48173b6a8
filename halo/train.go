package halo

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/cvogl/halo/autograd"
	"github.com/cvogl/halo/loader"
	"github.com/cvogl/halo/nn"
)

// TrainOptions is the training recipe. DefaultTrainOptions gives the paper's.
type TrainOptions struct {
	Epochs    int
	BatchSize int
	// Optimizer is rmsprop (the paper's), sgd, adam or adamw.
	Optimizer   string
	LR          float64
	WeightDecay float64
	Momentum    float64 // sgd only
	// Schedule is "step" (LR x Gamma every StepEpochs epochs, the paper's x0.1 every
	// 10) or "cosine" (to zero over Epochs).
	Schedule   string
	StepEpochs int
	Gamma      float64
	// ClipNorm clips the total gradient 2-norm before each step (0: off).
	ClipNorm float64
	// AccumSteps accumulates gradients over this many batches per optimiser step.
	// BatchNorm still normalises each batch with its own statistics (and updates its
	// running statistics once per batch), exactly as if the batches were stepped
	// separately; only the parameter update is deferred. InfoNCE sees negatives from
	// its own batch only.
	AccumSteps int
	// InfoNCEWeight weights the contrastive loss (1.0 in the paper).
	InfoNCEWeight float64
	// Mining enables the hard-sample mining (neighbour lists recomputed at epochs 5,
	// 10, ...).
	Mining  bool
	Augment bool
	Seed    uint64
	Workers int
	// EvalBatch is the batch size for validation and descriptor passes (0: BatchSize).
	EvalBatch int
}

// DefaultTrainOptions returns the paper's recipe: RMSprop lr 1e-4, weight decay
// 5e-4, x0.1 every 10 epochs, batch 16, 25 epochs, augmentation and mining on.
func DefaultTrainOptions() TrainOptions {
	return TrainOptions{Epochs: 25, BatchSize: 16, Optimizer: "rmsprop", LR: 1e-4, WeightDecay: 5e-4,
		Momentum: 0.9, Schedule: "step", StepEpochs: 10, Gamma: 0.1, AccumSteps: 1, InfoNCEWeight: 1,
		Mining: true, Augment: true, Seed: 1}
}

// Event reports training progress to a front end.
type Event struct {
	Kind          string // "step", "epoch", "eval", "mine"
	Epoch, Epochs int    // Epoch counts from 0
	Step, Steps   int    // batch within the epoch (1-based) and batches per epoch
	GlobalStep    int
	Loss          Losses  // running mean over the epoch so far
	TrainAcc50    float64 // running training acc@0.5 of this epoch
	SamplesPerSec float64
	ETA           time.Duration // to the end of the run
	LR            float64
	Val           *EpochRecord // set for "epoch"
	Done, Total   int          // for "eval" and "mine": samples done
}

// EpochRecord is one epoch's summary, one line of metrics.jsonl.
type EpochRecord struct {
	Epoch        int     `json:"epoch"`
	LR           float64 `json:"lr"`
	Loss         float64 `json:"loss"`
	LossGeo      float64 `json:"loss_geo"`
	LossCls      float64 `json:"loss_cls"`
	LossInfoNCE  float64 `json:"loss_infonce"`
	TrainAcc50   float64 `json:"train_acc@0.5"`
	ValAcc25     float64 `json:"val_acc@0.25"`
	ValAcc50     float64 `json:"val_acc@0.5"`
	ValMIoU      float64 `json:"val_miou"`
	ValAccCenter float64 `json:"val_acc_center"`
	Seconds      float64 `json:"seconds"`
	SamplesPerS  float64 `json:"samples_per_s"`
	Best         bool    `json:"best"`
}

// Trainer runs the training loop and owns the run directory:
//
//	config.json         the model configuration and training options
//	last.safetensors    model + optimiser + trainer state after the last finished epoch
//	best.safetensors    the model with the best validation acc@0.5 so far
//	metrics.jsonl       one JSON object per step ("kind":"step") and per epoch
//
// Every file is written to a temporary name and renamed, so an interrupted run
// leaves the previous checkpoint intact.
type Trainer struct {
	M          *Model
	Train, Val *loader.Dataset
	O          TrainOptions
	Dir        string
	Progress   func(Event)
	// DataRoot is recorded in config.json so that a resume finds the data again.
	DataRoot string

	opt        nn.Optimizer
	sched      nn.Schedule
	sampler    *Sampler
	epoch      int // next epoch to run
	globalStep int
	best       float64
	history    []EpochRecord
}

// NewTrainer prepares a run in dir (created if needed).
func NewTrainer(m *Model, train, val *loader.Dataset, o TrainOptions, dir string) (*Trainer, error) {
	if o.Epochs <= 0 || o.BatchSize <= 0 {
		return nil, fmt.Errorf("halo: epochs (%d) and batch size (%d) must be positive", o.Epochs, o.BatchSize)
	}
	if o.AccumSteps <= 0 {
		o.AccumSteps = 1
	}
	if o.EvalBatch <= 0 {
		o.EvalBatch = o.BatchSize
	}
	if train.Len() == 0 {
		return nil, fmt.Errorf("halo: the training split %s/%s has no usable records", train.Dir, train.Split)
	}
	t := &Trainer{M: m, Train: train, Val: val, O: o, Dir: dir, best: math.Inf(-1)}
	params := nn.Params(m)
	switch o.Optimizer {
	case "rmsprop", "":
		t.opt = nn.NewRMSprop(params, o.LR, 0.99, 1e-8, o.WeightDecay, 0, false)
	case "sgd":
		t.opt = nn.NewSGD(params, o.LR, o.Momentum, 0, o.WeightDecay, false)
	case "adam":
		t.opt = nn.NewAdam(params, o.LR, 0.9, 0.999, 1e-8, o.WeightDecay)
	case "adamw":
		t.opt = nn.NewAdamW(params, o.LR, 0.9, 0.999, 1e-8, o.WeightDecay)
	default:
		return nil, fmt.Errorf("halo: unknown optimizer %q (want rmsprop, sgd, adam or adamw)", o.Optimizer)
	}
	switch o.Schedule {
	case "step", "":
		step := o.StepEpochs
		if step <= 0 {
			step = 10
		}
		t.sched = nn.StepLR{Base: o.LR, Gamma: o.Gamma, StepSize: step}
	case "cosine":
		t.sched = nn.Cosine{Base: o.LR, Epochs: o.Epochs}
	default:
		return nil, fmt.Errorf("halo: unknown schedule %q (want step or cosine)", o.Schedule)
	}
	t.sampler = NewSampler(train.Len(), o.Seed)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("halo: run directory: %w", err)
	}
	return t, nil
}

// Epoch returns the next epoch to run (the number finished so far).
func (t *Trainer) Epoch() int { return t.epoch }

// History returns the summaries of the finished epochs.
func (t *Trainer) History() []EpochRecord { return t.history }

// Best returns the best validation acc@0.5 so far (-Inf before the first epoch).
func (t *Trainer) Best() float64 { return t.best }

func (t *Trainer) emit(e Event) {
	if t.Progress != nil {
		t.Progress(e)
	}
}

// Run trains until O.Epochs epochs are done (continuing a resumed run).
func (t *Trainer) Run() error {
	if err := t.writeConfig(); err != nil {
		return err
	}
	start := time.Now()
	startEpoch := t.epoch
	for t.epoch < t.O.Epochs {
		rec, err := t.runEpoch(start, startEpoch)
		if err != nil {
			return err
		}
		t.history = append(t.history, rec)
		t.emit(Event{Kind: "epoch", Epoch: rec.Epoch, Epochs: t.O.Epochs, Val: &rec, GlobalStep: t.globalStep})
	}
	return nil
}

func (t *Trainer) runEpoch(runStart time.Time, startEpoch int) (EpochRecord, error) {
	epoch := t.epoch
	lr := t.sched.LR(epoch)
	t.opt.SetLR(lr)
	if t.O.Mining && MiningDue(epoch) {
		q, r, dim, err := Descriptors(t.M, t.Train, t.O.EvalBatch, t.O.Workers)
		if err != nil {
			return EpochRecord{}, fmt.Errorf("epoch %d: hard-sample mining: %w", epoch, err)
		}
		if err := t.sampler.Mine(q, r, dim); err != nil {
			return EpochRecord{}, fmt.Errorf("epoch %d: hard-sample mining: %w", epoch, err)
		}
		t.emit(Event{Kind: "mine", Epoch: epoch, Epochs: t.O.Epochs, Done: t.Train.Len(), Total: t.Train.Len()})
	}
	order, err := t.sampler.Order(epoch)
	if err != nil {
		return EpochRecord{}, err
	}
	it, err := t.Train.Batches(order, loader.BatchOptions{BatchSize: t.O.BatchSize, Workers: t.O.Workers,
		Augment: t.O.Augment, Seed: t.O.Seed*1_000_003 + uint64(epoch)})
	if err != nil {
		return EpochRecord{}, err
	}
	defer it.Close()
	steps := it.NumBatches()
	epochStart := time.Now()
	var sum Losses
	var met Metrics
	seen, pending := 0, 0
	nn.ZeroGrad(t.M)
	for step := 1; ; step++ {
		b, err := it.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return EpochRecord{}, fmt.Errorf("epoch %d step %d: %w", epoch, step, err)
		}
		l, ev, err := t.M.TrainStep(b, float32(t.O.InfoNCEWeight), 1/float32(t.O.AccumSteps))
		if err != nil {
			nn.ZeroGrad(t.M)
			return EpochRecord{}, fmt.Errorf("epoch %d step %d (global step %d): %w; the last good checkpoint in %s is kept",
				epoch, step, t.globalStep+1, err, t.Dir)
		}
		pending++
		if pending == t.O.AccumSteps || step == steps {
			if t.O.ClipNorm > 0 {
				nn.ClipGradNorm(nn.Params(t.M), t.O.ClipNorm)
			}
			t.opt.Step()
			nn.ZeroGrad(t.M)
			pending = 0
			if name, i := firstNonFiniteParam(t.M); name != "" {
				return EpochRecord{}, fmt.Errorf("epoch %d step %d (global step %d): the optimiser step made %s[%d] non-finite; the last good checkpoint in %s is kept",
					epoch, step, t.globalStep+1, name, i, t.Dir)
			}
		}
		t.globalStep++
		n := float64(b.Size)
		sum.Total += l.Total * n
		sum.Geo += l.Geo * n
		sum.Cls += l.Cls * n
		sum.InfoNCE += l.InfoNCE * n
		met.Add(ev)
		seen += b.Size
		el := time.Since(epochStart).Seconds()
		rate := float64(seen) / el
		mean := Losses{sum.Total / float64(seen), sum.Geo / float64(seen), sum.Cls / float64(seen), sum.InfoNCE / float64(seen)}
		_, acc50, _, _, _ := met.Summary()
		// Remaining work: the rest of this epoch plus the later ones, at this rate.
		left := float64(t.Train.Len()-seen) + float64(t.O.Epochs-epoch-1)*float64(t.Train.Len())
		eta := time.Duration(left / rate * float64(time.Second))
		t.emit(Event{Kind: "step", Epoch: epoch, Epochs: t.O.Epochs, Step: step, Steps: steps, GlobalStep: t.globalStep,
			Loss: mean, TrainAcc50: acc50, SamplesPerSec: rate, ETA: eta, LR: lr})
		if err := t.appendMetrics(map[string]any{"kind": "step", "epoch": epoch, "step": step, "global_step": t.globalStep,
			"loss": l.Total, "loss_geo": l.Geo, "loss_cls": l.Cls, "loss_infonce": l.InfoNCE, "lr": lr}); err != nil {
			return EpochRecord{}, err
		}
	}
	trainSecs := time.Since(epochStart).Seconds()
	_, acc50, _, _, _ := met.Summary()
	rec := EpochRecord{Epoch: epoch, LR: lr, Loss: sum.Total / float64(seen), LossGeo: sum.Geo / float64(seen),
		LossCls: sum.Cls / float64(seen), LossInfoNCE: sum.InfoNCE / float64(seen), TrainAcc50: acc50,
		Seconds: trainSecs, SamplesPerS: float64(seen) / trainSecs}
	if t.Val != nil && t.Val.Len() > 0 {
		vm, err := Evaluate(t.M, t.Val, t.O.EvalBatch, t.O.Workers, func(done, total int) {
			t.emit(Event{Kind: "eval", Epoch: epoch, Epochs: t.O.Epochs, Done: done, Total: total})
		})
		if err != nil {
			return EpochRecord{}, fmt.Errorf("epoch %d: validation: %w", epoch, err)
		}
		rec.ValAcc25, rec.ValAcc50, rec.ValMIoU, rec.ValAccCenter, _ = vm.Summary()
	}
	t.epoch++
	// Like the official loop: best on validation acc@0.5, ties keep the earlier one.
	if rec.ValAcc50 > t.best {
		t.best = rec.ValAcc50
		rec.Best = true
		if err := t.saveModel(filepath.Join(t.Dir, "best.safetensors"), rec); err != nil {
			return rec, err
		}
	}
	if err := t.saveLast(rec); err != nil {
		return rec, err
	}
	b, _ := json.Marshal(rec)
	var m map[string]any
	json.Unmarshal(b, &m)
	m["kind"] = "epoch"
	if err := t.appendMetrics(m); err != nil {
		return rec, err
	}
	return rec, nil
}

// firstNonFiniteParam returns the first parameter holding a NaN or Inf.
func firstNonFiniteParam(m *Model) (string, int) {
	names, params := nn.NamedParams(m)
	for i, p := range params {
		if j := autograd.FirstNonFinite(p.Data); j >= 0 {
			return names[i], j
		}
	}
	return "", -1
}

func (t *Trainer) appendMetrics(rec map[string]any) error {
	f, err := os.OpenFile(filepath.Join(t.Dir, "metrics.jsonl"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return fmt.Errorf("halo: metrics: %w", err)
	}
	b, _ := json.Marshal(rec)
	_, werr := f.Write(append(b, '\n'))
	if cerr := f.Close(); werr == nil {
		werr = cerr
	}
	if werr != nil {
		return fmt.Errorf("halo: metrics: %w", werr)
	}
	return nil
}

// runConfig is config.json: what a later eval, predict or resume needs to rebuild
// the model and continue.
type runConfig struct {
	Model Config       `json:"model"`
	Train TrainOptions `json:"train"`
	Set   string       `json:"set"`
	// Data is the dataset root ("" for the embedded synthetic set).
	Data string `json:"data"`
}

// RunConfig is what a run directory's config.json records.
type RunConfig = runConfig

// ReadRunConfig reads dir/config.json.
func ReadRunConfig(dir string) (RunConfig, error) {
	var rc RunConfig
	p := filepath.Join(dir, "config.json")
	b, err := os.ReadFile(p)
	if err != nil {
		return rc, fmt.Errorf("halo: %w", err)
	}
	if err := json.Unmarshal(b, &rc); err != nil {
		return rc, fmt.Errorf("halo: %s: %w", p, err)
	}
	if err := rc.Model.Validate(); err != nil {
		return rc, fmt.Errorf("halo: %s: %w", p, err)
	}
	return rc, nil
}

func (t *Trainer) writeConfig() error {
	b, err := json.MarshalIndent(runConfig{Model: t.M.Cfg, Train: t.O, Set: t.Train.Set, Data: t.DataRoot}, "", "  ")
	if err != nil {
		return err
	}
	return writeFileAtomic(filepath.Join(t.Dir, "config.json"), append(b, '\n'))
}

// trainerState is the part of a resumable state that is not tensors.
type trainerState struct {
	Epoch      int           `json:"epoch"`
	GlobalStep int           `json:"global_step"`
	Best       float64       `json:"best"`
	Sampler    SamplerState  `json:"sampler"`
	DropRNG    []byte        `json:"drop_rng"`
	History    []EpochRecord `json:"history"`
}

func (t *Trainer) metadata(rec EpochRecord) (map[string]string, error) {
	cfg, err := json.Marshal(t.M.Cfg)
	if err != nil {
		return nil, err
	}
	rb, _ := json.Marshal(rec)
	return map[string]string{
		"format":  "halo-go checkpoint v1",
		"config":  string(cfg),
		"epoch":   strconv.Itoa(t.epoch),
		"metrics": string(rb),
	}, nil
}

func (t *Trainer) saveModel(path string, rec EpochRecord) error {
	md, err := t.metadata(rec)
	if err != nil {
		return err
	}
	return nn.SaveCheckpoint(path, t.M, nil, md)
}

func (t *Trainer) saveLast(rec EpochRecord) error {
	md, err := t.metadata(rec)
	if err != nil {
		return err
	}
	rng, err := t.M.RNGState()
	if err != nil {
		return err
	}
	best := t.best
	if math.IsInf(best, -1) {
		best = -1
	}
	st, err := json.Marshal(trainerState{Epoch: t.epoch, GlobalStep: t.globalStep, Best: best,
		Sampler: t.sampler.State(), DropRNG: rng, History: append(t.history, rec)})
	if err != nil {
		return err
	}
	md["trainer"] = string(st)
	return nn.SaveCheckpoint(filepath.Join(t.Dir, "last.safetensors"), t.M, t.opt, md)
}

// Resume restores model, optimiser, epoch, step, best metric, sampler and dropout
// RNG from dir/last.safetensors, so the run continues as if it had never stopped.
func (t *Trainer) Resume(dir string) error {
	path := filepath.Join(dir, "last.safetensors")
	md, _, err := nn.LoadCheckpoint(path, t.M, t.opt, true)
	if err != nil {
		return err
	}
	raw, ok := md["trainer"]
	if !ok {
		return fmt.Errorf("halo: %s has no trainer state (not written by halo train?)", path)
	}
	var st trainerState
	if err := json.Unmarshal([]byte(raw), &st); err != nil {
		return fmt.Errorf("halo: %s: trainer state: %w", path, err)
	}
	if err := t.sampler.Restore(st.Sampler); err != nil {
		return fmt.Errorf("halo: %s: sampler state: %w", path, err)
	}
	if err := t.M.SetRNGState(st.DropRNG); err != nil {
		return fmt.Errorf("halo: %s: rng state: %w", path, err)
	}
	t.epoch, t.globalStep, t.history = st.Epoch, st.GlobalStep, st.History
	t.best = st.Best
	if len(t.history) == 0 {
		t.best = math.Inf(-1)
	}
	return nil
}

func writeFileAtomic(path string, data []byte) error {
	err := loader.WriteFileAtomic(path, func(w io.Writer) error { _, err := w.Write(data); return err })
	if err != nil {
		return fmt.Errorf("halo: %w", err)
	}
	return nil
}
