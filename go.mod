module github.com/cvogl/halo

go 1.26
