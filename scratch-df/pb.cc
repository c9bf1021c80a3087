#include "dataframe/dataframe.h"
#include <ctime>
#include <cstdio>
using namespace tessera::df;
static double cpu(){ timespec ts; clock_gettime(CLOCK_THREAD_CPUTIME_ID,&ts); return ts.tv_sec+ts.tv_nsec*1e-9; }
int main(){
  std::string path="/tmp/dfbench/2000-01-01.csv";
  double t=cpu(); std::string b=readBlock(path,0,6000000); double t1=cpu();
  CsvOptions o; o.names={"timestamp","name","id","x","y"}; o.skipFirstLine=true;
  CsvResult r; for(int i=0;i<5;i++) r=parseCsv(b.data(),b.size(),o); double t2=cpu();
  printf("read %.1f ms, parse %.1f ms/iter = %.0f MB/s rows %ld\n",(t1-t)*1e3,(t2-t1)*1e3/5,b.size()/((t2-t1)/5)/1e6,(long)r.rows);
  o.types={ColType::Datetime,ColType::Auto,ColType::Auto,ColType::Auto,ColType::Auto};
  t1=cpu(); for(int i=0;i<5;i++) r=parseCsv(b.data(),b.size(),o); t2=cpu();
  printf("parse w/ dates %.1f ms/iter = %.0f MB/s\n",(t2-t1)*1e3/5,b.size()/((t2-t1)/5)/1e6);
  TsColumn c{"id",ColType::Int64}; Column out; t1=cpu(); generateColumn(1,c,0,86400*30,0,1000,out); t2=cpu(); printf("poisson %.1f ms for 2.6M\n",(t2-t1)*1e3);
  TsColumn x{"x",ColType::Float64}; Column ox; t1=cpu(); generateColumn(1,x,0,86400*30,0,1000,ox); t2=cpu(); printf("uniform %.1f ms for 2.6M\n",(t2-t1)*1e3);
  t1=cpu(); auto q=exactQuantiles(ox.f64.data(),ox.f64.size(),{0.25,0.5,0.75}); t2=cpu(); printf("quantiles %.1f ms for 2.6M\n",(t2-t1)*1e3);
}
