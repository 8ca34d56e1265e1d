module go_oci/layertool

go 1.22
