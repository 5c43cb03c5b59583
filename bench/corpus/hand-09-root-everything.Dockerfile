FROM centos:7
MAINTAINER John Doe <john@example.com>
RUN yum install -y epel-release && yum install -y python3 gcc make && yum clean all
ADD requirements.txt /opt/app/
RUN pip3 install -r /opt/app/requirements.txt
ADD app /opt/app
RUN chmod 777 /opt/app/run.sh
ENV AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY
USER root
CMD /opt/app/run.sh
CMD ["/opt/app/run.sh"]
