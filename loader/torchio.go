package loader

import "github.com/cvogl/halo/loader/torchfile"

// readTorchFile and writeTorchFile are the seams to loader/torchfile: any torch.save
// form (zip, legacy) or plain pickle in, the zip form out (atomically).
var (
	readTorchFile = func(path string) (any, error) {
		f, err := torchfile.Open(path)
		if err != nil {
			return nil, err
		}
		return f.Root, nil
	}
	writeTorchFile = torchfile.WriteFile
)

// WriteAnnotations writes records as a CVOGL split file (zip-format torch.save of a list
// of 8-tuples).
func WriteAnnotations(path string, recs []Record) error {
	return writeTorchFile(path, RecordTree(recs))
}
